import { render } from 'preact';
import { App } from './app.tsx';
import { loadSettings } from './session.ts';
import './styles.css';

const root = document.getElementById('app')!;
render(<App />, root);
loadSettings().catch((error: unknown) => render(<App startupError={error} />, root));
