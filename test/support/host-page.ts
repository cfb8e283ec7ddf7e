import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

/** How a page embeds the widget: the one tag a customer pastes, or `Chatflow.mount` from its own code. */
export type Embed =
  | { tag: { src: string; chatbotId: string; userId?: string; userHash?: string } }
  | { mount: { src: string; baseUrl: string; chatbotId: string; user?: { id: string; hash: string } } };

export interface HostPage {
  /** `http://127.0.0.1:<port>`: the origin a chatbot's widget.allowedOrigins names. */
  origin: string;
  /** `http://localhost:<port>`: the same server, but another origin to the browser and to the API. */
  otherOrigin: string;
  /** Serves a page at `path` embedding the widget; returns its address on `origin`. */
  add(path: string, embed: Embed): string;
  close(): Promise<void>;
}

const escape = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function html(embed: Embed): string {
  let script: string;
  if ('tag' in embed) {
    const { src, chatbotId, userId, userHash } = embed.tag;
    const user = userId ? ` data-user-id="${escape(userId)}" data-user-hash="${escape(userHash ?? '')}"` : '';
    script = `<script src="${escape(src)}" data-chatbot-id="${escape(chatbotId)}"${user} async></script>`;
  } else {
    const { src, ...options } = embed.mount;
    // JSON inside a script: `<` escaped so no value can close the element.
    const json = JSON.stringify(options).replace(/</g, '\\u003c');
    script = `<script src="${escape(src)}"></script>\n    <script>window.widget = Chatflow.mount(${json});</script>`;
  }
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>A customer's shop</title>
    <style>body { font: 16px/1.5 Georgia, serif; margin: 3rem; color: #3f3f46; } .bubble { color: red; }</style>
  </head>
  <body>
    <h1>A customer's shop</h1>
    <p>Its own content, with its own styles.</p>
    ${script}
  </body>
</html>
`;
}

/**
 * A customer's website in the tests: a page on its own origin (not the API's) embedding the widget
 * as a customer would. Pages are added per test; anything else is a 404.
 */
export async function startHostPage(): Promise<HostPage> {
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const body = pages.get(new URL(req.url ?? '/', 'http://host').pathname);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    otherOrigin: `http://localhost:${port}`,
    add(path, embed) {
      pages.set(path, html(embed));
      return origin + path;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Debian's chromium, headless, as the UI suites drive it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A fresh visitor: a browser context of its own (its own localStorage), its waits bounded at 20 s. */
export async function newVisitor(browser: Browser, viewport = { width: 1100, height: 700 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(20_000);
  return context.newPage();
}

/** The widget as its user meets it, by role and name (locators pierce its open shadow root). */
export function widgetOn(page: Page) {
  const log = page.getByRole('log', { name: 'Conversation' });
  const textbox = page.getByRole('textbox', { name: 'Message' });
  return {
    launcher: page.getByRole('button', { name: 'Open chat' }),
    panel: page.getByRole('dialog', { name: 'Chat' }),
    textbox,
    sendButton: page.getByRole('button', { name: 'Send' }),
    log,
    offline: page.getByRole('status').filter({ hasText: 'You are offline' }),
    error: page.getByRole('alert'),
    /** A message the server has, by its exact text (not a draft, not an unsent copy). */
    message: (text: string) => log.locator('.row.message .bubble').getByText(text, { exact: true }),
    /** Every bubble of the log, top to bottom: messages, drafts being streamed, unsent ones. */
    bubbles: () => log.locator('.bubble').allTextContents(),
    /** Types and sends with Enter, as a user does. */
    async send(text: string) {
      await textbox.fill(text);
      await textbox.press('Enter');
    },
  };
}
