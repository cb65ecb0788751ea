import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { useAppStore } from './store';
import { startUrlSync } from './store/url-sync';
import './styles/base.css';
import './styles/media.css';
import './styles/explore.css';

startUrlSync(useAppStore);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
