// The library: the built-in collection (indexed in the worker, cached in IndexedDB) and the user's own
// images and videos (drop or pick; per-file errors; progress; remove one; clear all; storage used), and a
// browser of the built-in collection (pages of thumbnails with their captions, a kind and caption filter).
import { useEffect, useMemo, useState } from 'react';
import type { LibraryItem } from '../../engine/library/types';
import { DropZone } from '../components/DropZone';
import { ItemThumb } from '../components/Pixels';
import { ProgressBar } from '../components/ProgressBar';
import { useAppStore, useFields, useOpenLibraryWhenReady } from '../store';
import { LibraryStatus } from './LibraryStatus';

const fmtBytes = (b: number | null) =>
  b === null
    ? 'unknown'
    : b < 2 ** 20
      ? `${(b / 1024).toFixed(0)} KiB`
      : b < 2 ** 30
        ? `${(b / 2 ** 20).toFixed(1)} MiB`
        : `${(b / 2 ** 30).toFixed(1)} GiB`;

const BROWSE_PAGE = 48;

/** The built-in collection, a page at a time: what there is to search, each item with its caption and Find similar. */
function BuiltinBrowser({ ready, onSimilar }: { ready: boolean; onSimilar: (item: LibraryItem) => void }) {
  const engine = useAppStore((st) => st.handle?.engine);
  const size = useAppStore((st) => st.library?.builtinCount ?? 0);
  const [items, setItems] = useState<LibraryItem[] | null>(null);
  const [kind, setKind] = useState<'all' | 'image' | 'clip'>('all');
  const [words, setWords] = useState('');
  const [page, setPage] = useState(0);
  useEffect(() => {
    if (!ready || !engine) return;
    let live = true;
    void engine.listItems().then((all) => live && setItems(all.filter((i) => i.source === 'builtin')));
    return () => void (live = false);
  }, [ready, engine, size]);
  const shown = useMemo(() => {
    const want = words
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    return (items ?? []).filter(
      (i) =>
        (kind === 'all' || i.kind === kind) &&
        want.every((w) =>
          (i.caption ?? '')
            .toLowerCase()
            .split(/[\s,]+/)
            .includes(w),
        ),
    );
  }, [items, kind, words]);
  const pages = Math.max(1, Math.ceil(shown.length / BROWSE_PAGE));
  const at = Math.min(page, pages - 1);
  return (
    <section className="card" aria-labelledby="builtin-heading" data-testid="builtin-browser">
      <h3 id="builtin-heading">The built-in collection ({size})</h3>
      <p className="hint">
        Procedural pictures and clips with their captions — what the models were trained on the like of. Find similar
        searches by one.
      </p>
      {!items ? (
        <p className="hint">{ready ? 'Listing…' : 'Available once the library is ready.'}</p>
      ) : (
        <>
          <div className="row browse-filters">
            <label>
              Show{' '}
              <select
                value={kind}
                onChange={(e) => (setKind(e.target.value as typeof kind), setPage(0))}
                data-testid="browse-kind"
              >
                <option value="all">images and clips</option>
                <option value="image">images</option>
                <option value="clip">clips</option>
              </select>
            </label>
            <label>
              Caption has the words{' '}
              <input
                value={words}
                onChange={(e) => (setWords(e.target.value), setPage(0))}
                placeholder="e.g. red star"
                data-testid="browse-words"
              />
            </label>
            <span className="hint" data-testid="browse-count" data-count={shown.length}>
              {shown.length} of {items.length}
            </span>
          </div>
          <ul className="item-grid" data-testid="builtin-items">
            {shown.slice(at * BROWSE_PAGE, (at + 1) * BROWSE_PAGE).map((item) => (
              <li
                key={item.id}
                className="item-card"
                data-testid="builtin-item"
                data-id={item.id}
                data-kind={item.kind}
              >
                <ItemThumb id={item.id} label={item.caption ?? item.name} />
                <div className="hint">
                  {item.kind === 'clip' && <span className="kind-tag">video</span>} {item.caption}
                </div>
                <button type="button" onClick={() => onSimilar(item)}>
                  Find similar
                </button>
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <div className="row browse-pages">
              <button type="button" disabled={at === 0} onClick={() => setPage(at - 1)} data-testid="browse-prev">
                ← Previous
              </button>
              <span data-testid="browse-page">
                page {at + 1} of {pages}
              </span>
              <button
                type="button"
                disabled={at >= pages - 1}
                onClick={() => setPage(at + 1)}
                data-testid="browse-next"
              >
                Next →
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function LibraryView() {
  const s = useFields(
    'libraryPhase',
    'openLibrary',
    'userItems',
    'addFiles',
    'addProgress',
    'addResults',
    'cancelWork',
    'removeItem',
    'clearLibrary',
    'storage',
    'search',
    'setView',
    'interruptedImport',
    'dismissInterruptedImport',
  );
  useOpenLibraryWhenReady();
  const ready = s.libraryPhase === 'ready';
  return (
    <div className="view library">
      <section className="card">
        <h2>Library</h2>
        <p className="hint">
          Everything you add stays in this browser (IndexedDB): each file is decoded, reasoned about by the Reasoner
          (its T-CoT), embedded with and without that T-CoT, and stored — all in the engine’s worker.
        </p>
        <LibraryStatus />
        <p className="hint" data-testid="storage-used">
          Storage used by this app: {fmtBytes(s.storage?.usedBytes ?? null)}
          {s.storage?.quotaBytes ? ` of ${fmtBytes(s.storage.quotaBytes)} available` : ''}
        </p>
      </section>

      <section className="card" aria-labelledby="add-heading">
        <h3 id="add-heading">Add your images and videos</h3>
        <DropZone testId="library-drop" onFiles={(files) => ready && !s.addProgress && void s.addFiles(files)}>
          <p>
            Drop files or a folder here — images (PNG, JPEG, WebP, GIF, BMP, AVIF) and videos (WebM, MP4). Videos are
            sampled to 16 evenly spaced frames.
            {!ready && ' (Available once the library is ready.)'}
          </p>
        </DropZone>
        {s.interruptedImport && (
          <div className="banner" role="status" data-testid="import-interrupted">
            <p>
              An import was interrupted
              {s.interruptedImport.at ? ` (started ${new Date(s.interruptedImport.at).toLocaleTimeString()})` : ''}: the
              page closed before it finished. {s.interruptedImport.stored.length} of the{' '}
              {s.interruptedImport.stored.length + s.interruptedImport.missing.length} files picked had been stored
              whole and are below
              {s.interruptedImport.missing.length
                ? `; ${s.interruptedImport.missing.length === 1 ? 'this one was' : `these ${s.interruptedImport.missing.length} were`} not stored (nothing of ${s.interruptedImport.missing.length === 1 ? 'it' : 'them'} was half-written) — add ${s.interruptedImport.missing.length === 1 ? 'it' : 'them'} again:`
                : '; nothing needs to be added again.'}
            </p>
            {s.interruptedImport.missing.length > 0 && (
              <p className="missing-files" data-testid="import-missing" data-count={s.interruptedImport.missing.length}>
                {s.interruptedImport.missing.slice(0, 50).join(', ')}
                {s.interruptedImport.missing.length > 50 && ` … and ${s.interruptedImport.missing.length - 50} more`}
              </p>
            )}
            <button type="button" onClick={() => s.dismissInterruptedImport()}>
              Dismiss
            </button>
          </div>
        )}
        {s.addProgress && (
          <ProgressBar
            progress={s.addProgress}
            unit="files"
            onCancel={() => void s.cancelWork()}
            testId="add-progress"
          />
        )}
        {s.addResults.some((r) => !r.ok && r.code === 'quota') && (
          <p className="banner quota" role="alert" data-testid="quota-error">
            <strong>This browser’s storage for the app is full.</strong> The files marked below were not saved — nothing
            of them was half-written, and everything stored before is intact. Remove some of your items (or clear all),
            or free disk space, then add them again.
          </p>
        )}
        {s.addResults.length > 0 && (
          <ul className="add-results" data-testid="add-results">
            {s.addResults.map((r, i) => (
              <li
                key={i}
                className={r.ok ? 'ok' : 'error'}
                data-testid="add-result"
                data-ok={String(r.ok)}
                data-name={r.name}
              >
                {r.ok ? `✓ ${r.name} added` : `✗ ${r.message}`}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="card" aria-labelledby="yours-heading">
        <div className="row">
          <h3 id="yours-heading">Your items ({s.userItems.length})</h3>
          {s.userItems.length > 0 && (
            <button
              type="button"
              data-testid="clear-all"
              onClick={() => confirm('Remove all your items from this browser?') && void s.clearLibrary()}
            >
              Clear all
            </button>
          )}
        </div>
        {s.userItems.length === 0 && <p className="hint">None yet.</p>}
        <ul className="item-grid" data-testid="user-items">
          {s.userItems.map((item) => (
            <li key={item.id} className="item-card" data-testid="user-item" data-name={item.name} data-kind={item.kind}>
              <ItemThumb id={item.id} label={item.name} />
              <div className="item-name" title={item.name}>
                {item.kind === 'clip' && <span className="kind-tag">video</span>}
                {item.name}
              </div>
              <div className="hint">
                {item.width}×{item.height}
                {item.kind === 'clip' ? ` · ${item.frames} frames` : ''}
              </div>
              <div className="row">
                <button
                  type="button"
                  onClick={() => {
                    s.setView('explore');
                    void s.search({ kind: 'item', id: item.id }, item.name);
                  }}
                  disabled={!ready}
                >
                  Find similar
                </button>
                <button
                  type="button"
                  aria-label={`Remove ${item.name}`}
                  data-testid="remove-item"
                  onClick={() => void s.removeItem(item.id)}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      </section>

      <BuiltinBrowser
        ready={ready}
        onSimilar={(item) => {
          s.setView('explore');
          void s.search({ kind: 'item', id: item.id }, item.name);
        }}
      />
    </div>
  );
}
