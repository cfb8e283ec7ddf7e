/**
 * The widget's CSS, inside its shadow root: nothing of the page's styles reaches in (`all: initial`)
 * and nothing leaks out. A site themes it with custom properties, which do cross the boundary:
 * --chatflow-accent, --chatflow-accent-text, --chatflow-font, --chatflow-bg, --chatflow-text,
 * --chatflow-muted, --chatflow-radius, --chatflow-z.
 */
export const styles = `
:host {
  all: initial;
  --accent: var(--chatflow-accent, #2563eb);
  --accent-text: var(--chatflow-accent-text, #fff);
  --bg: var(--chatflow-bg, #fff);
  --text: var(--chatflow-text, #111827);
  --muted: var(--chatflow-muted, #6b7280);
  --radius: var(--chatflow-radius, 14px);
  font: 14px/1.45 var(--chatflow-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
  color: var(--text);
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; }
button:focus-visible, textarea:focus-visible, .log:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: var(--chatflow-z, 2147483000);
  width: 56px; height: 56px; border: 0; border-radius: 50%;
  background: var(--accent); color: var(--accent-text); box-shadow: 0 6px 20px rgba(0, 0, 0, .2);
  display: grid; place-items: center;
}
.launcher svg { width: 26px; height: 26px; fill: currentColor; }
.launcher.unread::after {
  content: ''; position: absolute; top: 6px; right: 6px; width: 12px; height: 12px;
  border-radius: 50%; background: #ef4444; border: 2px solid var(--bg);
}
.panel {
  position: fixed; right: 20px; bottom: 20px; z-index: var(--chatflow-z, 2147483000);
  width: min(380px, calc(100vw - 40px)); height: min(600px, calc(100vh - 40px));
  display: flex; flex-direction: column; overflow: hidden;
  background: var(--bg); border-radius: var(--radius); box-shadow: 0 12px 40px rgba(0, 0, 0, .25);
}
@media (max-width: 480px) {
  .panel { right: 0; bottom: 0; width: 100vw; height: 100%; border-radius: 0; }
}
header {
  display: flex; align-items: center; justify-content: space-between; padding: 12px 14px;
  background: var(--accent); color: var(--accent-text); font-weight: 600;
}
.close { border: 0; background: transparent; color: inherit; font-size: 22px; line-height: 1; padding: 2px 8px; border-radius: 6px; }
.banner { padding: 8px 14px; font-size: 13px; background: #fef3c7; color: #78350f; }
.banner.error { background: #fee2e2; color: #7f1d1d; }
.log { flex: 1; position: relative; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
.row { display: flex; flex-direction: column; align-items: flex-start; max-width: 85%; }
.row.user { align-self: flex-end; align-items: flex-end; }
.row.notice, .row.system { align-self: center; max-width: 100%; color: var(--muted); font-size: 12px; text-align: center; }
.bubble { padding: 8px 12px; border-radius: var(--radius); white-space: pre-wrap; overflow-wrap: anywhere; background: #f3f4f6; }
.user .bubble { background: var(--accent); color: var(--accent-text); }
.local .bubble { opacity: .75; }
.notice .bubble, .system .bubble { background: transparent; padding: 2px 0; }
.who, .meta { font-size: 11px; color: var(--muted); margin: 2px 4px; }
.meta.failed { color: #b91c1c; }
.typing { padding: 0 16px 8px; display: flex; gap: 4px; }
.typing span { width: 6px; height: 6px; border-radius: 50%; background: var(--muted); animation: blink 1.2s infinite; }
.typing span:nth-child(2) { animation-delay: .2s; }
.typing span:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing span { animation: none; } }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e5e7eb; align-items: flex-end; }
textarea {
  flex: 1; resize: none; max-height: 120px; padding: 8px 10px; border: 1px solid #d1d5db; border-radius: 10px;
  font: inherit; color: var(--text); background: var(--bg);
}
form button { border: 0; border-radius: 10px; padding: 9px 14px; background: var(--accent); color: var(--accent-text); font-weight: 600; }
`;
