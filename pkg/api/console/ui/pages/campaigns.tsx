// `#/campaigns`: scheduled templates (list) and one campaign (`#/campaigns/:id`).
import { Route, Switch } from 'wouter-preact';
import '../styles/data.css';
import { CampaignDetail } from './campaign-detail.tsx';
import { CampaignList } from './campaign-list.tsx';

/** The campaigns area, mounted with `nest` at `/campaigns`. */
export function CampaignsPage() {
  return (
    <Switch>
      <Route path="/" component={CampaignList} />
      <Route path="/:id" component={CampaignDetail} />
    </Switch>
  );
}
