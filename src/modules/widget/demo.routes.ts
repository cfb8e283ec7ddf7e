import { z } from 'zod';
import { pagePolicy } from '../../http/csp.js';
import { route, type Route } from '../../http/route.js';
import { ensureDemoChatbot } from './demo.js';

const PAGE_STYLE = `body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #111827; }
code { background: #f3f4f6; padding: .1rem .3rem; border-radius: 4px; }`;

const page = (chatbotId: string) => `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>chatflow demo</title>
    <style>${PAGE_STYLE}</style>
  </head>
  <body>
    <main>
      <h1>chatflow demo</h1>
      <p>The chat button in the corner is the widget, embedded on this page with one tag:</p>
      <p><code>&lt;script src="/widget.js" data-chatbot-id="${chatbotId}" async&gt;&lt;/script&gt;</code></p>
      <p>Each message you send starts a durable flow: open the Temporal Web UI to watch it.</p>
    </main>
    <script src="/widget.js" data-chatbot-id="${chatbotId}" async></script>
  </body>
</html>
`;

/**
 * GET /demo (development only: `npm start` with no JWT_SECRET, on loopback): a page with the widget
 * on the demo chatbot, so a newcomer talks to the product seconds after starting it.
 */
export function demoRoutes(): Route[] {
  let chatbotId: Promise<string> | undefined;
  return [
    route({
      method: 'get',
      path: '/demo',
      access: 'public',
      operationId: 'demoPage',
      tags: ['Documentation'],
      summary: 'A page with the chat widget on a demo chatbot (development only)',
      responses: { '200': { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
      async handle({ ctx, em }) {
        chatbotId ??= ensureDemoChatbot(em).catch((err: unknown) => {
          chatbotId = undefined;
          throw err;
        });
        const id = await chatbotId;
        ctx.type = 'text/html; charset=utf-8';
        ctx.set('Content-Security-Policy', pagePolicy({ inlineStyles: [PAGE_STYLE] }));
        return page(id);
      },
    }),
  ];
}
