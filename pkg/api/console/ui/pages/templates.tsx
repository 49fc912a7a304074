// The Templates section (`#/templates`, mounted with `nest`): the list at `/`, a new template at
// `/new`, one template's editor at `/:id`. The sample variables live here, above the routes, so
// they survive moving between the list and the editors.
import { useState } from 'preact/hooks';
import { Route, Switch } from 'wouter-preact';
import '../styles/templates.css';
import { TemplateEditorPage } from './template-editor.tsx';
import { TemplateListPage } from './template-list.tsx';

/** The Templates section's routes. */
export function TemplatesPage() {
  const samples = useState<unknown>({});
  return (
    <Switch>
      <Route path="/new">
        <TemplateEditorPage samples={samples} />
      </Route>
      <Route path="/:id">
        {(p: { id: string }) => <TemplateEditorPage id={Number(p.id)} samples={samples} />}
      </Route>
      <Route>
        <TemplateListPage samples={samples} />
      </Route>
    </Switch>
  );
}
