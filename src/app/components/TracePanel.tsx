// The trace of one side of a retrieval: the T-CoT (streaming in while the Reasoner decodes) laid out as
// steps, its evidence drawn on the input in colours that match the evidence's JSON spans (hovering either
// highlights both), key frames marked on the filmstrip and enlarged, what the Embedder read, and the
// parser's format issues.
import { useMemo, useState } from 'react';
import type { ThumbImage, Trace } from '../../engine/types';
import { VOCAB } from '../../tcot/default';
import { parseTokens } from '../../tcot/parse';
import { renderSegments } from '../../tcot/render';
import { answerConflicts, conflictSentence } from '../../tcot/check';
import { boxesOf, keyFramesOf, keywordsOf, stepsOf, type StepName } from '../trace-layout';
import { Pixels } from './Pixels';

export const EVIDENCE_COLORS = ['#ff5d8f', '#3ccf91', '#f4b740', '#7fb3ff', '#c58bff', '#ff8a3d', '#4de1e1', '#e6e65c'];
export const evidenceColor = (i: number) => EVIDENCE_COLORS[i % EVIDENCE_COLORS.length]!;

const STEP_LABEL: Record<StepName, string> = {
  thinking: 'Thinking — where is the evidence?',
  rethink: 'Rethink — does the evidence fit the instruction?',
  answer: 'Answer — what should be retrieved',
  other: 'Outside the three sections',
};

/** `queryText`: the text the T-CoT was written for (a text query), to check its answer against. */
export function TracePanel({
  trace,
  tokens,
  title,
  testId,
  streaming,
  queryText,
}: {
  trace: Trace | null;
  tokens: number[];
  title: string;
  testId: string;
  streaming?: boolean;
  queryText?: string;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const modality = trace?.modality ?? 'text';
  const expectedKey = modality === 'image' ? 'bbox_2d' : modality === 'clip' ? 'key_frames' : 'text_keywords';
  const segments = useMemo(() => renderSegments(VOCAB, tokens), [tokens]);
  const parsed = useMemo(
    () => (streaming ? null : parseTokens(VOCAB, tokens, { expectedKey })),
    [tokens, streaming, expectedKey],
  );
  const steps = useMemo(() => stepsOf(segments), [segments]);
  const boxes = useMemo(() => boxesOf(VOCAB, tokens, segments), [tokens, segments]);
  const keyFrames = useMemo(() => keyFramesOf(VOCAB, tokens, segments), [tokens, segments]);
  const keywords = useMemo(() => keywordsOf(segments), [segments]);
  const conflicts = useMemo(
    () => (parsed && queryText ? answerConflicts(queryText, parsed.answer) : []),
    [parsed, queryText],
  );
  const conflictWords = new Set(conflicts.map((c) => c.word));

  const evidenceProps = (item: number) => ({
    'data-item': item,
    onMouseEnter: () => setHover(item),
    onMouseLeave: () => setHover(null),
    onFocus: () => setHover(item),
    onBlur: () => setHover(null),
    tabIndex: 0,
  });

  return (
    <section
      className="card trace"
      data-testid={testId}
      aria-label={title}
      data-streaming={streaming ? 'true' : 'false'}
    >
      <h3>
        {title} {streaming && <span className="hint">the Reasoner is writing…</span>}
        {trace && (
          <span className="hint">
            {trace.source === 'teacher'
              ? 'T-CoT by the simulated teacher'
              : trace.source === 'cache'
                ? 'T-CoT written at indexing time'
                : 'T-CoT by the Reasoner'}
          </span>
        )}
      </h3>
      <div className="trace-body">
        <div className="trace-visual">
          {modality === 'image' && trace?.frames[0] && (
            <div className="evidence-image" data-testid="evidence-image">
              <Pixels image={trace.frames[0]} label="the input image" />
              <svg viewBox="0 0 1000 1000" preserveAspectRatio="none" aria-hidden="true">
                {boxes.map(({ item, box }) => (
                  <rect
                    key={item}
                    data-testid="evidence-box"
                    data-item={item}
                    data-box={box.join(',')}
                    x={box[0]}
                    y={box[1]}
                    width={Math.max(0, box[2]! - box[0]!)}
                    height={Math.max(0, box[3]! - box[1]!)}
                    stroke={evidenceColor(item)}
                    strokeWidth={hover === item ? 14 : 7}
                    fill={hover === item ? `${evidenceColor(item)}44` : 'none'}
                    onMouseEnter={() => setHover(item)}
                    onMouseLeave={() => setHover(null)}
                    style={{ pointerEvents: 'all' }}
                  />
                ))}
              </svg>
            </div>
          )}
          {modality === 'clip' && trace && (
            <>
              <div
                className="filmstrip"
                data-testid="trace-filmstrip"
                role="group"
                aria-label="every frame of the clip; key frames are marked"
              >
                {trace.frames.map((f, i) => {
                  const item = keyFrames.get(i);
                  return (
                    <figure
                      key={i}
                      className={`frame ${item !== undefined ? 'key' : ''} ${item !== undefined && hover === item ? 'hovered' : ''}`}
                      data-frame={i}
                      data-key={item !== undefined ? 'true' : 'false'}
                      style={item !== undefined ? { borderColor: evidenceColor(item) } : undefined}
                      {...(item !== undefined ? evidenceProps(item) : {})}
                    >
                      <Pixels image={f} label={`frame ${i}${item !== undefined ? ' (key frame)' : ''}`} />
                      <figcaption>{i}</figcaption>
                    </figure>
                  );
                })}
              </div>
              {keyFrames.size > 0 && (
                <div className="key-frames" data-testid="key-frames-enlarged">
                  {[...keyFrames.entries()].map(([f, item]) =>
                    trace.frames[f] ? (
                      <figure
                        key={f}
                        style={{ borderColor: evidenceColor(item) }}
                        className={hover === item ? 'hovered' : ''}
                        {...evidenceProps(item)}
                      >
                        <Pixels image={trace.frames[f]!} label={`key frame ${f}, enlarged`} />
                        <figcaption>key frame {f}</figcaption>
                      </figure>
                    ) : null,
                  )}
                </div>
              )}
            </>
          )}
          {modality === 'text' && trace?.text && (
            <p className="query-text" data-testid="query-text">
              “
              {trace.text.split(/(\s+)/).map((w, i) => {
                const item = keywords.get(w.toLowerCase().replace(/[,.?]/g, ''));
                return item === undefined ? (
                  <span key={i}>{w}</span>
                ) : (
                  <mark
                    key={i}
                    className={`keyword-mark ${hover === item ? 'hovered' : ''}`}
                    style={{ borderColor: evidenceColor(item), color: evidenceColor(item) }}
                    {...evidenceProps(item)}
                  >
                    {w}
                  </mark>
                );
              })}
              ”{trace.instruction && <span className="hint"> — {trace.instruction}</span>}
            </p>
          )}
        </div>

        <div className="trace-text">
          {tokens.length === 0 && <p className="hint">{streaming ? 'The Reasoner is starting…' : 'No T-CoT.'}</p>}
          <ol className="steps" data-testid="tcot-steps">
            {steps.map((step, si) => (
              <li key={si} className={`step step-${step.name}`} data-step={step.name}>
                <div className="step-label">{STEP_LABEL[step.name]}</div>
                <div className="step-text">
                  {step.segments.map((s, i) => {
                    const isEvidence = s.kind === 'box' || s.kind === 'frame' || s.kind === 'keyword';
                    const text = `${s.space && i > 0 ? ' ' : ''}${s.text}`;
                    if (!isEvidence) {
                      const contradicts = step.name === 'answer' && conflictWords.has(s.text);
                      return (
                        <span
                          key={i}
                          className={`seg seg-${s.kind}${contradicts ? ' conflict' : ''}`}
                          data-testid={contradicts ? 'answer-conflict-word' : undefined}
                        >
                          {text}
                        </span>
                      );
                    }
                    return (
                      <span
                        key={i}
                        className={`seg evidence-span ${hover === s.item ? 'hovered' : ''}`}
                        data-testid="evidence-span"
                        style={{ color: evidenceColor(s.item!), borderColor: evidenceColor(s.item!) }}
                        {...evidenceProps(s.item!)}
                      >
                        {text}
                      </span>
                    );
                  })}
                </div>
              </li>
            ))}
            {streaming && (
              <li className="step cursor" aria-hidden="true">
                ▍
              </li>
            )}
          </ol>
          {parsed && parsed.issues.length > 0 && (
            <div className="issues" data-testid="format-issues" role="note">
              <strong>Format issues the parser found</strong> (untrained and partly trained Reasoners write many; only
              evidence that parses is cut out for the Embedder):
              <ul>
                {parsed.issues.slice(0, 6).map((iss, i) => (
                  <li key={i}>
                    <code>{iss.code}</code> {iss.message}
                  </li>
                ))}
                {parsed.issues.length > 6 && <li>… and {parsed.issues.length - 6} more</li>}
              </ul>
            </div>
          )}
          {parsed && parsed.issues.length === 0 && tokens.length > 0 && (
            <p className="hint" data-testid="format-ok">
              Format: well-formed — the three sections in order and valid evidence. (This says nothing about whether it
              is right.)
            </p>
          )}
          {conflicts.length > 0 && (
            <p className="hint warn" data-testid="answer-conflict" role="note">
              {conflictSentence(conflicts)}
            </p>
          )}
        </div>
      </div>
      {trace && (trace.embedderSaw.global.length > 0 || trace.embedderSaw.evidence.length > 0) && (
        <details
          className="embedder-saw"
          data-testid="embedder-saw"
          onToggle={(e) => e.currentTarget.open && e.currentTarget.scrollIntoView({ block: 'nearest' })}
        >
          <summary>What the Embedder saw</summary>
          <p className="hint">
            A coarse global view of the whole input, then the evidence the T-CoT points at, cut from the full-resolution
            input: this extra detail is why the T-CoT helps fine-grained and temporal matching.
          </p>
          <div className="saw-row">
            {trace.embedderSaw.global.map((g, i) => (
              <SawImage
                key={`g${i}`}
                image={g}
                label={trace.embedderSaw.global.length > 1 ? `global view, frame ${i + 1}` : 'global view'}
              />
            ))}
            {trace.embedderSaw.evidence.map((e, i) => (
              <SawImage key={`e${i}`} image={e.image} label={e.label} color={evidenceColor(i)} />
            ))}
          </div>
        </details>
      )}
    </section>
  );
}

function SawImage({ image, label, color }: { image: ThumbImage; label: string; color?: string }) {
  return (
    <figure className="saw" style={color ? { borderColor: color } : undefined}>
      <Pixels image={image} label={label} />
      <figcaption>
        {label} · {image.width}×{image.height}
      </figcaption>
    </figure>
  );
}
