/** SIGINT/SIGTERM handling for long-running commands (Node). Returns a function that removes the handlers. */
export function waitForStopSignal(onStop: () => void): () => void {
  const stop = () => onStop();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  };
}
