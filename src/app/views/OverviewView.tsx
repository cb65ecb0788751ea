import { useFields } from '../store';

/** What the lab is, and what the engine is running on (with a self-check that compares against CPU). */
export function OverviewView() {
  const { status, selfCheck, selfCheckError, runSelfCheck, setView } = useFields(
    'status',
    'selfCheck',
    'selfCheckError',
    'runSelfCheck',
    'setView',
  );
  return (
    <div className="view overview">
      <section className="card intro">
        <h2>Reasoning-driven multimodal embeddings, on your machine</h2>
        <p>
          This lab reproduces, at small scale, the method of <em>Embed-RL</em>: a <strong>Reasoner</strong> writes a
          short chain of thought (a <abbr title="Traceability Chain-of-Thought">T-CoT</abbr>) that points at evidence in
          the input — boxes on an image, key frames in a clip, keywords in a text — and an <strong>Embedder</strong>{' '}
          turns the input plus that evidence into a vector used for retrieval. The Reasoner is then trained with
          reinforcement learning, using the Embedder's retrieval quality as its reward.
        </p>
        <p>
          Everything runs locally in a Web Worker with TensorFlow.js: your media and your models never leave this
          device.
        </p>
      </section>

      <section className="card start-here" aria-labelledby="start-heading">
        <h3 id="start-heading">Start here</h3>
        <ol>
          <li>
            <strong>Explore</strong> loads the models and the built-in collection (procedural images and clips), then
            searches it: type what you want, pick an instruction, and read each result's trace — the boxes and key
            frames the Reasoner pointed at, and the crops the Embedder read.
          </li>
          <li>
            <strong>Library</strong> adds your own photos and videos (they stay in this browser) so Explore searches
            them too.
          </li>
          <li>
            <strong>Fine-tune</strong> trains the Reasoner on results you marked ✓ / ✗, with the Embedder as the reward
            (EG-RL), and measures it on held-out pairs.
          </li>
        </ol>
        <button type="button" data-testid="start-explore" onClick={() => setView('explore')}>
          Open Explore
        </button>
      </section>

      <section className="card" aria-labelledby="engine-heading">
        <h3 id="engine-heading">Engine</h3>
        {!status || status.phase === 'starting' ? (
          <p>Starting…</p>
        ) : (
          <dl className="facts" data-testid="engine-facts">
            <dt>Backend</dt>
            <dd data-testid="engine-backend">{status.backend ?? 'none'}</dd>
            <dt>Runs in</dt>
            <dd>{status.host === 'worker' ? 'a Web Worker (the page stays responsive)' : status.host}</dd>
            {status.adapter && (
              <>
                <dt>GPU adapter</dt>
                <dd data-testid="engine-adapter">
                  {[status.adapter.vendor, status.adapter.architecture, status.adapter.description]
                    .filter(Boolean)
                    .join(' / ') || 'unnamed'}
                  {status.adapter.isFallbackAdapter ? ' (software fallback adapter)' : ''}
                </dd>
              </>
            )}
            {Object.entries(status.details).map(([k, v]) => (
              <FactRow key={k} name={k} value={String(v)} />
            ))}
            {status.skipped.length > 0 && (
              <>
                <dt>Skipped</dt>
                <dd>
                  <ul className="skipped" data-testid="engine-skipped">
                    {status.skipped.map((s) => (
                      <li key={s.backend}>{s.reason}</li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
        )}
        {status?.phase === 'ready' && (
          <div className="selfcheck">
            <button type="button" onClick={() => void runSelfCheck()} data-testid="selfcheck-run">
              Run self-check
            </button>
            <span className="hint">computes a small network on {status.backend} and on CPU, and compares them</span>
            {selfCheck && (
              <p
                data-testid="selfcheck-result"
                data-backend={selfCheck.backend}
                data-max-abs-diff={selfCheck.maxAbsDiff}
                data-count={selfCheck.values.length}
                className={selfCheck.maxAbsDiff < 1e-3 ? 'ok' : 'bad'}
              >
                {selfCheck.values.length} outputs on {selfCheck.backend} in {selfCheck.ms.toFixed(1)} ms; largest
                difference from CPU {selfCheck.maxAbsDiff.toExponential(2)} —{' '}
                {selfCheck.maxAbsDiff < 1e-3 ? 'agrees' : 'DISAGREES'}
              </p>
            )}
            {selfCheckError && <p className="error">{selfCheckError}</p>}
          </div>
        )}
      </section>
    </div>
  );
}

/** The engine's detail keys in words; others show as they are. */
const FACT_NAMES: Record<string, string> = {
  threads: 'WASM threads',
  threadsWhy: 'Why that many',
  threadsFallback: 'Threads fell back',
  simd: 'WASM SIMD',
  webglVersion: 'WebGL version',
};

function FactRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{FACT_NAMES[name] ?? name}</dt>
      <dd>{value}</dd>
    </>
  );
}
