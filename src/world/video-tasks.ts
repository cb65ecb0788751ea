// The video tasks' builders (t2v, v2t, classification, VQA, moment retrieval).

import { clipStates, generateClip, segments, soleEvents, windowOf } from './clip';
import {
  EVENT_LABEL,
  clipCaptionEdits,
  clipCaptionHolds,
  clipCaptionText,
  describeEvent,
  eventPhrase,
  eventVerbPhrase,
  lookPhrase,
} from './text';
import { COLORS, EVENT_KINDS, SHAPES, type Ability, type ClipSpec, OPPOSITE_EVENT } from './types';
import type { Rng } from './rng';
import {
  Cand,
  Builder,
  type CaptionedMedium,
  captionBuilders,
  video,
  textCand,
  chooseHard,
  uniq,
  wordChoices,
} from './task-kit';
import { clipEdits, clipAbilities, captionedClip } from './captions';

// ---------------------------------------------------------------------------------------------
// video tasks

/** A captioned clip as both caption tasks see it (task-kit.ts). */
function captionedClipMedium(rng: Rng): CaptionedMedium | null {
  const cc = captionedClip(rng);
  if (!cc) return null;
  const { clip, pick } = cc;
  const states = clipStates(clip);
  return {
    abilities: clipAbilities(clip, pick),
    medium: { input: video(clip), focus: pick.focus },
    caption: textCand(clipCaptionText(pick.caption)),
    mediumEdits: (r) =>
      clipEdits(clip, pick, r).map((e) => ({ input: video(e.clip), focus: e.focus, differsIn: e.differsIn })),
    captionEdits: (r) =>
      clipCaptionEdits(pick.caption, r)
        .filter((e) => !clipCaptionHolds(e.caption, clip, states))
        .map((e) => ({ ...textCand(clipCaptionText(e.caption)), differsIn: e.differsIn })),
    otherMedium: (r) => {
      const other = generateClip(r, {});
      return clipCaptionHolds(pick.caption, other) ? null : { input: video(other), focus: {} };
    },
    otherCaption: (r) => {
      const other = captionedClip(r);
      return !other || clipCaptionHolds(other.pick.caption, clip, states)
        ? null
        : textCand(clipCaptionText(other.pick.caption));
    },
  };
}

export const { toMedium: buildVideoT2V, toCaption: buildVideoV2T } = captionBuilders(captionedClipMedium);

export const buildVideoCls: Builder = (rng) => {
  const kind = rng.pick(EVENT_KINDS);
  const clip = generateClip(rng.fork('clip'), { events: 1, kinds: [kind], briefProb: 0, objects: rng.intIn(1, 3) });
  const labels = EVENT_KINDS.map((k) => textCand(EVENT_LABEL[k]));
  const opp = OPPOSITE_EVENT[kind];
  const small = clip.objects[clip.events[0]!.obj]!.size === 'small';
  return {
    abilities: uniq<Ability>(['temporal', 'coarse', ...(small ? (['fine-grained'] as Ability[]) : [])]),
    query: video(clip),
    queryFocus: { events: [0], ask: 'label' },
    positive: labels[EVENT_KINDS.indexOf(kind)]!,
    hard: opp ? [{ ...labels[EVENT_KINDS.indexOf(opp)]!, differsIn: 'event' }] : [],
    easy: EVENT_KINDS.flatMap((k, i) => (k !== kind && k !== opp ? [labels[i]!] : [])),
  };
};

export const buildVideoVqa: Builder = (rng) => {
  const qr = rng.fork('question');
  const kind = qr.pick(['color', 'event', 'next'] as const);
  const clip = generateClip(rng.fork('clip'), {
    events: kind === 'next' ? qr.intIn(2, 3) : qr.intIn(1, 3),
    kinds: kind === 'color' ? ['recolor'] : undefined,
  });
  const states = clipStates(clip);
  // "what does X do" needs X's only event; "what colour does X turn" its first recolor.
  const sole = soleEvents(clip);
  const main =
    kind === 'next'
      ? qr.int(clip.events.length - 1)
      : clip.events.findIndex((e, i) => (kind === 'color' ? e.kind === 'recolor' : sole.includes(i)));
  if (main < 0) return null;
  const d = describeEvent(clip, states, main);
  const name = `the ${lookPhrase(d.obj)}`;
  const small = d.obj.size === 'small';
  const abilities = uniq<Ability>(['temporal', ...(small ? (['fine-grained'] as Ability[]) : [])]);
  if (kind === 'color') {
    return {
      abilities,
      query: video(clip, { text: `what colour does ${name} turn ?` }),
      queryFocus: { events: [main], ask: 'color' },
      ...wordChoices(d.to!, COLORS, 'color', [d.obj.color, ...clip.objects.map((o) => o.color)], [...SHAPES], qr),
    };
  }
  if (kind === 'event') {
    const answer = eventVerbPhrase(d);
    const opp = OPPOSITE_EVENT[d.kind];
    const others = EVENT_KINDS.filter((k) => k !== d.kind && k !== opp).map((k) =>
      eventVerbPhrase({ kind: k, to: qr.pick(COLORS.filter((c) => c !== d.obj.color)) }),
    );
    return {
      abilities,
      query: video(clip, { text: `what does ${name} do ?` }),
      queryFocus: { events: [main], ask: 'event' },
      positive: textCand(answer),
      hard: opp
        ? [{ ...textCand(eventVerbPhrase({ kind: opp })), differsIn: 'event' }]
        : [
            {
              ...textCand(
                eventVerbPhrase({
                  kind: 'recolor',
                  to: qr.pick(COLORS.filter((c) => c !== d.to && c !== d.obj.color)),
                }),
              ),
              differsIn: 'color',
            },
          ],
      easy: others.map((t) => textCand(t)),
    };
  }
  const next = describeEvent(clip, states, main + 1);
  const verb = d.kind === 'recolor' ? `turns ${d.to}` : eventVerbPhrase(d).slice(3);
  const answer = eventPhrase(next);
  const edits = clipCaptionEdits({ kind: 'one', ev: next }, qr)
    .filter((e) => {
      const c = e.caption;
      return (
        c.kind === 'one' &&
        !clip.events.some((_, k) => eventPhrase(describeEvent(clip, states, k)) === eventPhrase(c.ev))
      );
    })
    .map((e) => ({ ...textCand(clipCaptionText(e.caption)), differsIn: e.differsIn }));
  const hard = chooseHard(edits, qr);
  const easy = clip.events.flatMap((_, k) =>
    k === main + 1 ? [] : [textCand(eventPhrase(describeEvent(clip, states, k)))],
  );
  return {
    abilities,
    query: video(clip, { text: `what happens after ${name} ${verb} ?` }),
    queryFocus: { events: [main, main + 1], ask: 'next-event' },
    positive: textCand(answer),
    hard,
    easy,
  };
};

export const buildVideoMoment: Builder = (rng) => {
  const clip = generateClip(rng.fork('clip'), { events: rng.intIn(2, 3) });
  const states = clipStates(clip);
  const lone = clip.events
    .map((_, i) => i)
    .filter((i) => clip.events.filter((e) => windowOf(e.frame) === windowOf(clip.events[i]!.frame)).length === 1);
  if (lone.length === 0) return null;
  const i = rng.pick(lone);
  const d = describeEvent(clip, states, i);
  const w = windowOf(clip.events[i]!.frame);
  const segs = segments();
  const segCand = (c: ClipSpec, s: [number, number]): Cand => ({ input: video(c, { segment: s }), focus: {} });
  const other = generateClip(rng.fork('other'), {});
  return {
    abilities: uniq<Ability>([
      'temporal',
      'partial',
      ...(d.obj.size === 'small' ? (['fine-grained'] as Ability[]) : []),
    ]),
    query: { modality: 'text', text: eventPhrase(d) },
    queryFocus: { text: eventPhrase(d) },
    positive: segCand(clip, segs[w]!),
    hard: segs.flatMap((s, k) => (k === w ? [] : [{ ...segCand(clip, s), differsIn: 'segment' as const }])),
    easy: segs.map((s) => segCand(other, s)),
  };
};
