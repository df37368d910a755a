import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { registerServiceWorker } from './lib/serviceWorker.js';
import './styles/base.css';
import './styles/home.css';
import './styles/room.css';
import './styles/files.css';
import './styles/share.css';
import './styles/account.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

registerServiceWorker();
