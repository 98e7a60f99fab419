// Shows "waiting… 12s" on stderr while the relay works, only on a terminal (pipes stay clean).
export function startElapsedTicker(stream: NodeJS.WriteStream, label: string): () => void {
  if (!stream.isTTY) return () => {};
  const started = Date.now();
  const draw = () => stream.write(`\r${label}: waiting… ${Math.round((Date.now() - started) / 1000)}s `);
  draw();
  const timer = setInterval(draw, 1000);
  return () => {
    clearInterval(timer);
    stream.write('\r\x1b[K');
  };
}
