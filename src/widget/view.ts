import type { Entry } from './conversation.js';
import { h } from './dom.js';
import { createLog } from './log.js';
import { createReceipts } from './receipts.js';
import { styles } from './styles.js';

export const OFFLINE_TEXT = 'You are offline — messages will be sent when you reconnect';

export interface ViewOptions {
  container: HTMLElement;
  onOpen: () => void;
  /** The end user sent a message (already trimmed, never blank). */
  onSend: (text: string) => void;
  /** The log was scrolled to its top: time for the older page. */
  onTop: () => void;
  onRead: (messageId: string) => void;
}

export type View = ReturnType<typeof createView>;

/** The host element; its own class so a page can style or find it, defined once even if the script loads twice. */
function widgetElement(): HTMLElement {
  if (!customElements.get('chatflow-widget')) customElements.define('chatflow-widget', class extends HTMLElement {});
  return document.createElement('chatflow-widget');
}

/** The launcher's speech bubble, drawn without innerHTML (pages with Trusted Types forbid it). */
function icon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const path = document.createElementNS(ns, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  svg.append(path);
  return svg;
}

/** The styles as a constructed sheet where possible: a strict style-src CSP blocks a <style> element, not this. */
function applyStyles(root: ShadowRoot) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(styles);
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(h('style', {}, styles));
  }
}

/**
 * The widget's DOM in an open shadow root: a launcher, and a panel with the log, a typing
 * indicator, the offline and error banners and the composer. Enter sends, Shift+Enter breaks the
 * line, Escape closes and gives focus back to the launcher.
 */
export function createView(options: ViewOptions) {
  const host = widgetElement();
  const root = host.attachShadow({ mode: 'open' });
  const attributes = { type: 'button', class: 'launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false' };
  const launcher = h('button', attributes, icon());
  const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close chat' }, '×');
  const error = h('div', { class: 'banner error', role: 'alert', hidden: true });
  const offline = h('div', { class: 'banner', role: 'status', hidden: true }, OFFLINE_TEXT);
  const log = h('div', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': 'Conversation',
    tabindex: '0',
  });
  const typing = h('div', { class: 'typing', 'aria-hidden': 'true', hidden: true }, h('span'), h('span'), h('span'));
  const input = h('textarea', {
    'aria-label': 'Message',
    rows: '1',
    maxlength: '8000',
    placeholder: 'Write a message…',
  });
  const form = h('form', {}, input, h('button', { type: 'submit' }, 'Send'));
  const header = h('header', {}, h('span', {}, 'Chat'), close);
  const panel = h('section', { class: 'panel', role: 'dialog', 'aria-label': 'Chat', hidden: true });
  panel.append(header, error, offline, log, typing, form);
  applyStyles(root);
  root.append(launcher, panel);
  options.container.append(host);

  const isOpen = () => !panel.hidden;
  const receipts = createReceipts({
    root: log,
    isActive: () => isOpen() && document.visibilityState === 'visible',
    onRead: options.onRead,
  });
  const rows = createLog(log, receipts.track);

  function open() {
    if (isOpen()) return;
    panel.hidden = false;
    launcher.hidden = true;
    launcher.classList.remove('unread');
    launcher.setAttribute('aria-expanded', 'true');
    log.scrollTop = log.scrollHeight;
    input.focus();
    receipts.recheck();
    options.onOpen();
  }

  function hide(returnFocus: boolean) {
    if (!isOpen()) return;
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    if (returnFocus) launcher.focus();
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    grow();
    options.onSend(text);
  }

  /** The textbox grows with its text, up to its max-height. */
  function grow() {
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight + 2}px`;
  }

  launcher.addEventListener('click', open);
  close.addEventListener('click', () => hide(true));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide(true);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    submit();
  });
  input.addEventListener('input', grow);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  log.addEventListener('scroll', () => log.scrollTop < 40 && options.onTop(), { passive: true });
  document.addEventListener('visibilitychange', receipts.recheck);

  return {
    open,
    close: () => hide(false),
    isOpen,

    /** Draws the log; keeps the end user at the bottom when they were there, else where they were reading. */
    render(entries: Entry[], isTyping: boolean) {
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
      const anchor = [...log.children].find((c) => (c as HTMLElement).offsetTop >= log.scrollTop) as
        HTMLElement | undefined;
      const anchorTop = anchor?.offsetTop;
      rows.render(entries);
      const streaming = entries.at(-1)?.kind === 'draft';
      typing.hidden = !isTyping || streaming;
      if (atBottom) log.scrollTop = log.scrollHeight;
      else if (anchor?.isConnected && anchorTop !== undefined) log.scrollTop += anchor.offsetTop - anchorTop;
    },

    /** A reply came while the panel was closed: a dot on the launcher. */
    markUnread: () => !isOpen() && launcher.classList.add('unread'),

    banners({ offline: isOffline, error: errorText }: { offline: boolean; error?: string }) {
      offline.hidden = !isOffline;
      error.hidden = !errorText;
      error.textContent = errorText ?? '';
    },

    destroy() {
      receipts.disconnect();
      document.removeEventListener('visibilitychange', receipts.recheck);
      host.remove();
    },
  };
}
