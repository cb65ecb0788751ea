// The layout of the vision stem's dense head (src/models/vision.ts `headOut`): what each of an 8-px cell's outputs
// means. The vision stage trains it (src/train/vision-data.ts, vision-trainer.ts); the Reasoner's pointer and
// reading heads read it (pointer.ts source 'stem', attr.ts). Per size slot (small, large): centre, 8 colours,
// 8 shapes, 3 textures, 4 box numbers; then 9 cover logits (the topmost object's colour, or background).
import { COLORS, SHAPES, SIZES, TEXTURES } from '../world/types';

export const COVER_CLASSES = COLORS.length + 1; // 8 colours + background
/** Head outputs per cell and size slot: [centre, 8 colour, 8 shape, 3 texture, 4 box]. */
export const SLOT_OUT = 1 + COLORS.length + SHAPES.length + TEXTURES.length + 4;
export const SIZE_SLOTS = SIZES.length; // slot 0 small, slot 1 large
/** Head outputs per cell: the size slots, then the cover logits. */
export const HEAD_OUT = SIZE_SLOTS * SLOT_OUT + COVER_CLASSES;
