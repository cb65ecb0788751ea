// The library's status line, shown on Explore, Library and Fine-tune: loading, indexing (with progress and
// Cancel), what is searchable and where it came from, a background re-index behind the index in use, and notes on
// the models (untrained, fine-tuned in use, a shipped index that did not fit).
import { ProgressBar } from '../components/ProgressBar';
import { useAppStore, useFields } from '../store';

export function LibraryStatus() {
  const s = useFields(
    'libraryPhase',
    'libraryError',
    'library',
    'indexProgress',
    'modelsUntrained',
    'cancelWork',
    'restoreNote',
    'reindexProgress',
    'reindexNote',
  );
  const reasoner = useAppStore((s) => s.status?.models.reasoner?.source);
  return (
    <div className="library-status" data-testid="library-status" data-phase={s.libraryPhase}>
      {s.libraryPhase === 'loading-models' && <p>Loading the models…</p>}
      {s.libraryPhase === 'indexing' && s.indexProgress && (
        <ProgressBar
          progress={s.indexProgress}
          unit="items"
          onCancel={() => void s.cancelWork()}
          testId="index-progress"
        />
      )}
      {s.libraryPhase === 'indexing' && !s.indexProgress && <p>Preparing the built-in collection…</p>}
      {s.libraryPhase === 'error' && (
        <p className="error" role="alert">
          The library could not be opened: {s.libraryError}
        </p>
      )}
      {s.libraryPhase === 'ready' && s.library && (
        <p
          data-testid="library-ready"
          data-size={s.library.size}
          data-from-cache={String(s.library.fromCache)}
          data-from-shipped={String(s.library.fromShipped)}
        >
          {s.library.partial
            ? `${s.library.size - s.library.userItems.length} of the ${s.library.builtinCount} built-in items searchable (indexing was cancelled: the rest are not indexed; what was done is kept, and the next visit indexes only the rest)`
            : `${s.library.builtinCount} built-in items searchable (${s.library.collection.images} images, ${s.library.collection.clips} clips)`}
          {s.library.partial
            ? ''
            : s.library.reindexing
              ? s.library.reindexing.standIn === 'shipped'
                ? ', served meanwhile by the index shipped with the built-in models'
                : ', served meanwhile by the index of the Reasoner used before'
              : s.library.fromShipped
                ? `, loaded from the index shipped with the models in ${(s.library.ms / 1000).toFixed(1)} s`
                : s.library.fromCache
                  ? `, loaded from this browser’s cache in ${(s.library.ms / 1000).toFixed(1)} s`
                  : `, indexed in ${(s.library.ms / 1000).toFixed(1)} s${s.library.resumedItems ? ` (${s.library.resumedItems} of them kept from an earlier visit that was interrupted)` : ''}`}
          , and {s.library.userItems.length} of yours.
        </p>
      )}
      {s.libraryPhase === 'ready' && s.reindexProgress && (
        <div className="note" data-testid="reindex" data-stand-in={s.reindexProgress.standIn}>
          <p>
            Indexing the collection again with the Reasoner now in use, in the background. Search works meanwhile: the
            items keep the T-CoTs and embeddings of{' '}
            {s.reindexProgress.standIn === 'shipped'
              ? 'the built-in Reasoner (the index shipped with the models)'
              : 'the Reasoner used before'}
            , while your query’s T-CoT is written by the one now in use. Results refresh when it is done.
          </p>
          <ProgressBar
            progress={s.reindexProgress}
            unit="items"
            onCancel={() => void s.cancelWork()}
            testId="reindex-progress"
          />
        </div>
      )}
      {s.libraryPhase === 'ready' && s.reindexNote && (
        <p className={s.reindexNote.ok ? 'note' : 'note hint warn'} data-testid="reindex-note" role="status">
          {s.reindexNote.text}.
        </p>
      )}
      {s.restoreNote && (
        <p className="note" data-testid="restore-note">
          Note: {s.restoreNote}.
        </p>
      )}
      {s.libraryPhase === 'ready' && reasoner === 'finetuned' && (
        <p className="note" data-testid="finetuned-in-use">
          Explore uses your fine-tuned Reasoner (applied in Fine-tune; kept across visits). Fine-tune → “Back to the
          built-in Reasoner” goes back.
        </p>
      )}
      {s.libraryPhase === 'ready' && s.library?.shippedNote && (
        <p className="note" data-testid="shipped-index-note">
          Note: {s.library.shippedNote}.
        </p>
      )}
      {s.modelsUntrained && (
        <p className="banner warn" data-testid="untrained-note">
          <strong>Untrained models.</strong> No trained weights ship with this build yet, so the Reasoner and Embedder
          are freshly initialised: the T-CoTs are noise and rankings are arbitrary. Everything else — indexing, storage,
          search, the trace — works as it will with trained weights.
          {s.library?.collection.tcot === 'teacher' &&
            ' Built-in items’ T-CoTs come from the simulated teacher, to show what good evidence looks like.'}
        </p>
      )}
    </div>
  );
}
