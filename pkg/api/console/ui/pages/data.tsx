// Placeholder until the page is written.
import { Page } from '../components.tsx';
import { tc } from '../i18n/common.ts';

export function DataPage() {
  return (
    <Page title={tc('nav.apps')}>
      <p>{tc('empty')}</p>
    </Page>
  );
}
