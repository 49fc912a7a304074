// The console's entry: one Preact tree under #root (bundled by deploy/console-build.mjs).
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('root')!);
