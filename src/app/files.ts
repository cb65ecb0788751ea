// Files from a drop or a picker → MediaInputs for the engine. Images go to the worker as Blobs (decoded
// there); videos are sampled here with an HTMLVideoElement (the worker has none) and their frames are
// transferred. Each file's problem is reported on its own; the rest go on.
import { checkBlob, sampleVideoFrames } from '../media/decode';
import { MediaError, errorMessage } from '../media/errors';
import type { AddResult, MediaInput } from '../engine/types';

/** Every file in a drop, folders included (recursively, through the File System entries API). */
export async function filesFromDrop(dt: DataTransfer): Promise<File[]> {
  const entries = Array.from(dt.items ?? [])
    .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return Array.from(dt.files ?? []);
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      out.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

/** A MediaInput for each file that passed its checks, and an error result for each that did not. */
export async function prepareFiles(
  files: File[],
  onFile?: (done: number, total: number, name: string) => void,
): Promise<{ inputs: MediaInput[]; errors: AddResult[]; order: string[] }> {
  const inputs: MediaInput[] = [];
  const errors: AddResult[] = [];
  for (const [i, file] of files.entries()) {
    onFile?.(i, files.length, file.name);
    try {
      const sniffed = await checkBlob(file.name, file);
      if (sniffed.kind === 'image') inputs.push({ kind: 'image', name: file.name, blob: file });
      else {
        const clip = await sampleVideoFrames(file.name, file);
        inputs.push({
          kind: 'clip',
          name: file.name,
          fileBytes: file.size,
          frames: clip.frames,
          width: clip.width,
          height: clip.height,
        });
      }
    } catch (err) {
      const e = err instanceof MediaError ? err : new MediaError('corrupt', errorMessage(err), file.name);
      errors.push({ name: file.name, ok: false, code: e.code, message: e.message });
    }
  }
  return { inputs, errors, order: files.map((f) => f.name) };
}

/** The buffers a list of inputs can hand over instead of copying (video frames). */
export function transferables(inputs: MediaInput[]): ArrayBuffer[] {
  return inputs.flatMap((m) => (m.kind === 'clip' ? m.frames.map((f) => f.buffer as ArrayBuffer) : []));
}
