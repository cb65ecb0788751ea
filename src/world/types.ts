// The world's data model. Everything here is small and JSON-serialisable: task items and suites
// store these specs, and pixels are rendered on demand (renderScene / renderClip).

export const IMAGE_SIZE = 96;
export const CLIP_SIZE = 64;
export const CLIP_FRAMES = 16;
/** Moment retrieval cuts a clip into these non-overlapping frame windows. */
export const SEGMENT_FRAMES = 4;

export const SHAPES = ['circle', 'square', 'triangle', 'star', 'ring', 'cross', 'diamond', 'hexagon'] as const;
export const COLORS = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink'] as const;
export const SIZES = ['small', 'large'] as const;
/** 'solid' is the unmarked texture: captions name only 'outlined' and 'striped'. */
export const TEXTURES = ['solid', 'outlined', 'striped'] as const;
export const BACKGROUNDS = ['flat', 'gradient', 'noise', 'stripes'] as const;
export const RELATIONS = ['left', 'right', 'above', 'below', 'next', 'inside'] as const;
export const EVENT_KINDS = ['appear', 'leave', 'recolor', 'grow', 'shrink', 'stop', 'start'] as const;

export type Shape = (typeof SHAPES)[number];
export type Color = (typeof COLORS)[number];
export type Size = (typeof SIZES)[number];
export type Texture = (typeof TEXTURES)[number];
export type BackgroundKind = (typeof BACKGROUNDS)[number];
/** Spatial relation of object a to object b ('next' = next to, 'inside' = a inside b). */
export type Relation = (typeof RELATIONS)[number];
export type EventKind = (typeof EVENT_KINDS)[number];
/** The opposite of an event kind (appear↔leave, grow↔shrink, stop↔start); recolor has none. */
export const OPPOSITE_EVENT: Partial<Record<EventKind, EventKind>> = {
  appear: 'leave',
  leave: 'appear',
  grow: 'shrink',
  shrink: 'grow',
  stop: 'start',
  start: 'stop',
};

export type RGB = [number, number, number];
/** [x1, y1, x2, y2] in 0–1000 relative coordinates (x by width, y by height). */
export type Box = [number, number, number, number];

export interface Background {
  kind: BackgroundKind;
  a: RGB;
  b: RGB;
  /** gradient/stripes direction in degrees. */
  angle: number;
  /** stripes period / noise cell size, in pixels of a 96-px image (scaled for clips). */
  period: number;
  /** noise pattern seed. */
  seed: number;
}

/** The attributes a caption can name. */
export interface ObjectLook {
  shape: Shape;
  color: Color;
  size: Size;
  texture: Texture;
}

export interface SceneObject extends ObjectLook {
  /** centre, 0–1000 relative. */
  x: number;
  y: number;
  /** radius, 0–1000 relative to the image width. */
  r: number;
}

/** A still image: objects are drawn in order (later ones on top). */
export interface SceneSpec {
  background: Background;
  objects: SceneObject[];
}

/** A clip object's state at frame 0; events change it. */
export interface ClipObject extends ObjectLook {
  x: number;
  y: number;
  /** velocity in 0–1000 units per frame (used while moving; walls reflect it). */
  vx: number;
  vy: number;
  moving: boolean;
  visible: boolean;
  /** radius multiplier around the size class's base radius. */
  scale: number;
}

export interface ClipEvent {
  kind: EventKind;
  obj: number;
  /** first frame that shows the new state (1..15); the change is seen between frame-1 and frame. */
  frame: number;
  /** recolor target. */
  color?: Color;
}

export interface ClipSpec {
  background: Background;
  objects: ClipObject[];
  /** sorted by frame. */
  events: ClipEvent[];
}

/** One object's state in one frame of a clip. */
export interface FrameObject extends ObjectLook {
  x: number;
  y: number;
  r: number;
  moving: boolean;
  visible: boolean;
}

/**
 * A model input. Image and video inputs may carry a question/expression (`text`, used by VQA and
 * grounding queries). `crop` (visual-grounding candidates) names a region of the full-resolution
 * scene in 0–1000 coordinates; the crop is the input. `segment` (moment-retrieval candidates) is an
 * inclusive frame range [start, end]; its frames are the input and key frames inside a segment's
 * T-CoT count from the segment's first frame.
 */
export type WorldInput =
  | { modality: 'text'; text: string }
  | { modality: 'image'; scene: SceneSpec; text?: string; crop?: Box }
  | { modality: 'video'; clip: ClipSpec; text?: string; segment?: [number, number] };

export const TASKS = [
  'image-cls',
  'image-vqa',
  'image-t2i',
  'image-i2t',
  'image-i2i',
  'image-grounding',
  'video-cls',
  'video-vqa',
  'video-t2v',
  'video-v2t',
  'video-moment',
] as const;
export type Task = (typeof TASKS)[number];

export const ABILITIES = ['fine-grained', 'spatial', 'temporal', 'partial', 'coarse'] as const;
export type Ability = (typeof ABILITIES)[number];

/** The one detail in which a hard negative differs from the positive. */
export const DETAILS = [
  'color',
  'shape',
  'size',
  'texture',
  'count',
  'relation',
  'event',
  'order',
  'timing',
  'segment',
] as const;
export type Detail = (typeof DETAILS)[number];

/** The question a VQA/classification T-CoT answers (the answer is this attribute of the evidence). */
export type Ask = 'describe' | 'color' | 'shape' | 'size' | 'count' | 'common-shape' | 'event' | 'label' | 'next-event';

/**
 * What an input's T-CoT is about: which objects/events are relevant and what is asked. The
 * annotator derives evidence and answer from it and the input's annotation.
 */
export interface Focus {
  /** image: indices into scene.objects (evidence boxes). */
  objects?: number[];
  /** image: state the relation between objects[0] and objects[1] (read off the picture). */
  relation?: Relation;
  /** image: start the answer with the object count ("there are three objects , …"). */
  count?: boolean;
  /** video: indices into clip.events (key frames). */
  events?: number[];
  /** video: how two events are linked, or that a single event's timing is stated; the order and
   *  timing words themselves are read off the clip. */
  link?: 'then' | 'before' | 'after';
  when?: 'start' | 'end';
  ask?: Ask;
  /** text inputs: the canonical description the text asks for (the gold answer). */
  text?: string;
}

export interface HardNegative {
  index: number;
  differsIn: Detail;
}

export interface TaskItem {
  id: string;
  task: Task;
  abilities: Ability[];
  instruction: string;
  query: WorldInput;
  candidates: WorldInput[];
  positiveIndex: number;
  hardNegatives: HardNegative[];
  /** what the query's T-CoT is about (for the annotator). */
  queryFocus: Focus;
  /** per candidate (same order); {} for unrelated candidates. */
  candidateFocus: Focus[];
}
