// The console's frame: sign-in until a token is held, then the navigation, the 中文 / English
// control and the page of the current hash route (#/templates, #/templates/3, …). Hash routes
// keep the server to one document and never put anything of the operator's in a path it sees.
import { useState } from 'preact/hooks';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { signOut, token } from './api.ts';
import { tc } from './i18n/common.ts';
import { lang } from './i18n.ts';
import { LanguageSwitch } from './lang-switch.tsx';
import { AccountsPage } from './pages/accounts.tsx';
import { AppsPage } from './pages/apps.tsx';
import { CampaignsPage } from './pages/campaigns.tsx';
import { ConfigPage } from './pages/config.tsx';
import { DataPage } from './pages/data.tsx';
import { DeadLettersPage } from './pages/dead-letters.tsx';
import { SignIn } from './pages/signin.tsx';
import { StreamsPage } from './pages/streams.tsx';
import { TemplatesPage } from './pages/templates.tsx';

const NAV = [
  ['/apps', 'nav.apps'],
  ['/accounts', 'nav.accounts'],
  ['/templates', 'nav.templates'],
  ['/campaigns', 'nav.campaigns'],
  ['/data', 'nav.data'],
  ['/dead-letters', 'nav.deadLetters'],
  ['/streams', 'nav.streams'],
  ['/config', 'nav.config'],
] as const;

function Nav() {
  const [location] = useLocation();
  const [open, setOpen] = useState(false);
  return (
    <nav class={open ? 'nav open' : 'nav'} aria-label="main">
      <button
        type="button"
        class="nav-toggle"
        aria-expanded={open}
        data-testid="nav-toggle"
        onClick={() => setOpen(!open)}
      >
        ☰ {tc('nav.menu')}
      </button>
      <ul>
        {NAV.map(([href, key]) => (
          <li key={href}>
            <Link
              href={href}
              data-testid={`nav-${href.slice(1)}`}
              aria-current={location === href || location.startsWith(`${href}/`) ? 'page' : undefined}
              onClick={() => setOpen(false)}
            >
              {tc(key)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Shell() {
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/templates">
          {tc('brand')}
        </a>
        <Nav />
        <div class="top-right">
          <LanguageSwitch />
          <button type="button" data-testid="sign-out" onClick={() => signOut()}>
            {tc('signOut')}
          </button>
        </div>
      </header>
      <main class="main">
        <Switch>
          <Route path="/apps" component={AppsPage} />
          <Route path="/accounts" component={AccountsPage} />
          <Route path="/templates" component={TemplatesPage} nest />
          <Route path="/campaigns" component={CampaignsPage} nest />
          <Route path="/data" component={DataPage} nest />
          <Route path="/dead-letters" component={DeadLettersPage} />
          <Route path="/streams" component={StreamsPage} />
          <Route path="/config" component={ConfigPage} />
          <Route>
            <Redirect to="/templates" replace />
          </Route>
        </Switch>
      </main>
    </div>
  );
}

export function App() {
  // Reading the signals here re-renders the whole tree on sign-in/out and on a language switch.
  void lang.value;
  return <Router hook={useHashLocation}>{token.value ? <Shell /> : <SignIn />}</Router>;
}
