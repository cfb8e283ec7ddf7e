import { mount } from './mount.js';
import type { MountOptions, WidgetHandle } from './types.js';

/** What the script puts on `window`: mount more widgets, or one configured from code. */
export interface ChatflowGlobal {
  mount(options: MountOptions): WidgetHandle;
}

declare global {
  interface Window {
    Chatflow?: ChatflowGlobal;
  }
}

/**
 * The tag form: `<script src=".../widget.js" data-chatbot-id="…" async>` mounts one widget talking to
 * the origin the script came from; data-user-id and data-user-hash identify a signed-in user.
 */
function autoMount(script: HTMLScriptElement | null) {
  const chatbotId = script?.dataset.chatbotId;
  if (!script || !chatbotId) return;
  const { userId, userHash } = script.dataset;
  const user = userId && userHash ? { id: userId, hash: userHash } : undefined;
  const baseUrl = new URL(script.src, location.href).origin;
  const go = () => void mount({ baseUrl, chatbotId, user });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
  else go();
}

// document.currentScript exists only while this runs, so it is read at once.
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
window.Chatflow ??= { mount };
autoMount(script);
