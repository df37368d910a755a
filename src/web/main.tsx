import './lib/zodJitless.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { takeFragmentTicket } from './features/embed/fragmentTicket.js';
import { registerServiceWorker } from './lib/serviceWorker.js';
import './styles/base.css';
import './styles/home.css';
import './styles/room.css';
import './styles/previews.css';
import './styles/call.css';
import './styles/files.css';
import './styles/share.css';
import './styles/account.css';

// An embedded room's ticket leaves the address before anything else can read or keep it.
const embedded = window.location.pathname === '/embed';
if (embedded) takeFragmentTicket();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A room inside another site's page works online only, and installs nothing on its behalf.
if (!embedded) registerServiceWorker();
