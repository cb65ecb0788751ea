import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BackendBadge } from './components/BackendBadge';
import { BackendPicker } from './components/BackendPicker';
import { useAppStore } from './store';
import type { ModelInfo } from '../engine/types';
import { VIEWS } from './views';

export function App() {
  const startEngine = useAppStore((s) => s.startEngine);
  useEffect(() => {
    void startEngine();
  }, [startEngine]);

  const { view, setView, status } = useAppStore(
    useShallow((s) => ({ view: s.view, setView: s.setView, status: s.status })),
  );
  const available = useAppStore(useShallow((s) => VIEWS.filter((v) => v.available(s)).map((v) => v.id)));
  const current = VIEWS.find((v) => v.id === view && available.includes(v.id)) ?? VIEWS[0];
  const Current = current.component;

  return (
    <div className="app">
      <header className="header">
        <h1 className="title">
          Embed-RL <span>Lab</span>
        </h1>
        <nav aria-label="Views" className="nav">
          {VIEWS.filter((v) => available.includes(v.id)).map((v) => (
            <button
              key={v.id}
              type="button"
              className={v.id === current.id ? 'active' : ''}
              aria-current={v.id === current.id ? 'page' : undefined}
              onClick={() => setView(v.id)}
            >
              {v.label}
            </button>
          ))}
        </nav>
        <div className="header-right">
          <ModelStatus />
          <BackendBadge />
          <BackendPicker />
        </div>
      </header>
      {status?.phase === 'error' && (
        <div className="banner error" role="alert" data-testid="engine-error">
          <strong>No compute backend works in this browser.</strong> {status.error}
        </div>
      )}
      <main className="main">
        <Current />
      </main>
    </div>
  );
}

const SOURCE_LABEL: Record<ModelInfo['source'], string> = {
  url: 'shipped',
  indexeddb: 'saved',
  files: 'from a file',
  random: 'untrained',
  finetuned: 'fine-tuned',
};
const describe = (m: ModelInfo) =>
  `${SOURCE_LABEL[m.source]}${m.quantized ? ', int8' : ''}${m.sha256 ? ` ${m.sha256.slice(0, 8)}` : ''}, ${(m.parameters / 1e6).toFixed(2)} M parameters`;

/** Which Reasoner and Embedder run: shipped, fine-tuned, untrained… (the tooltip adds the hash and size). */
function ModelStatus() {
  const models = useAppStore((s) => s.status?.models);
  if (!models || (!models.reasoner && !models.embedder)) {
    return (
      <span className="model-status" data-testid="model-status" title="Reasoner and Embedder weights">
        models: not loaded
      </span>
    );
  }
  const part = (name: string, m: ModelInfo | null) => `${name} ${m ? SOURCE_LABEL[m.source] : 'not loaded'}`;
  return (
    <span
      className="model-status"
      data-testid="model-status"
      data-reasoner={models.reasoner?.source ?? 'none'}
      title={[
        models.reasoner && `Reasoner: ${describe(models.reasoner)}`,
        models.embedder && `Embedder: ${describe(models.embedder)}`,
      ]
        .filter(Boolean)
        .join('\n')}
    >
      {part('Reasoner', models.reasoner)} · {part('Embedder', models.embedder)}
    </span>
  );
}
