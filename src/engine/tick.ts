/** A macrotask break, so that messages (pause, stop, cancel) queued behind a long job get in. */
export const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
