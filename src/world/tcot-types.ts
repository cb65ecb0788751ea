// The T-CoT as structured data, and its rendering into the SPEC text format. The src/tcot layer
// tokenises and parses it; src/world never imports src/tcot.

import type { Box } from './types';

export type Evidence =
  | { key: 'bbox_2d'; boxes: Box[] }
  | { key: 'key_frames'; frames: number[] }
  | { key: 'text_keywords'; keywords: string[] };

export interface TCoT {
  /** a short sentence; the evidence JSON follows it inside <thinking>. */
  thinking: string;
  evidence: Evidence;
  rethink: string;
  answer: string;
}

/** `{"bbox_2d": [[x1, y1, x2, y2]]}` / `{"key_frames": [3, 4]}` / `{"text_keywords": ["red", "star"]}`. */
export function renderEvidence(e: Evidence): string {
  switch (e.key) {
    case 'bbox_2d':
      return `{"bbox_2d": [${e.boxes.map((b) => `[${b.map((v) => Math.round(v)).join(', ')}]`).join(', ')}]}`;
    case 'key_frames':
      return `{"key_frames": [${e.frames.join(', ')}]}`;
    case 'text_keywords':
      return `{"text_keywords": [${e.keywords.map((k) => JSON.stringify(k)).join(', ')}]}`;
  }
}

/** `<thinking> … {json} </thinking> <rethink> … </rethink> <answer> … </answer>` (SPEC format). */
export function renderTCoT(t: TCoT): string {
  return `<thinking> ${t.thinking} ${renderEvidence(t.evidence)} </thinking> <rethink> ${t.rethink} </rethink> <answer> ${t.answer} </answer>`;
}
