// Task items: one builder per task (MMEB-V2 meta-tasks, UVRB abilities). A builder draws a scene or
// clip, a query and a positive, hard negatives that differ from the positive in exactly one detail
// (checked with the caption evaluator where the detail is semantic) and easy negatives.

import type { Task } from './types';
import type { Builder } from './task-kit';
import {
  buildImageT2I,
  buildImageI2T,
  buildImageI2I,
  buildImageGrounding,
  buildImageCls,
  buildImageVqa,
} from './image-tasks';
import { buildVideoT2V, buildVideoV2T, buildVideoCls, buildVideoVqa, buildVideoMoment } from './video-tasks';

export {
  TASK_INSTRUCTIONS,
  TASK_TARGET,
  instructionTarget,
  type Cand,
  type HardCand,
  type Draft,
  type Builder,
} from './task-kit';
export { captionCore, captionScene, captionClip, type SceneCaption, type ClipCaptionPick } from './captions';
export { cropAround } from './image-tasks';

export const BUILDERS: Record<Task, Builder> = {
  'image-cls': buildImageCls,
  'image-vqa': buildImageVqa,
  'image-t2i': buildImageT2I,
  'image-i2t': buildImageI2T,
  'image-i2i': buildImageI2I,
  'image-grounding': buildImageGrounding,
  'video-cls': buildVideoCls,
  'video-vqa': buildVideoVqa,
  'video-t2v': buildVideoT2V,
  'video-v2t': buildVideoV2T,
  'video-moment': buildVideoMoment,
};
