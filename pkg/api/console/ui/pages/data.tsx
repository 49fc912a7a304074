// `#/data`: template charts, message search and the live tail; `#/data/messages/:id` a timeline.
import { Route, Switch } from 'wouter-preact';
import { Page } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import '../styles/data.css';
import { TemplateCharts } from './data-charts.tsx';
import { MessageSearch } from './data-search.tsx';
import { LiveTail } from './data-tail.tsx';
import { MessageTimeline } from './data-timeline.tsx';

function DataHome() {
  return (
    <Page title={tc('nav.data')} testId="data-page">
      <TemplateCharts />
      <MessageSearch />
      <LiveTail />
    </Page>
  );
}

/** The data area, mounted with `nest` at `/data`. */
export function DataPage() {
  return (
    <Switch>
      <Route path="/" component={DataHome} />
      <Route path="/messages/:id" component={MessageTimeline} />
    </Switch>
  );
}
