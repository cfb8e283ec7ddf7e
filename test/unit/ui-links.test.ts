import { describe, expect, it } from '@jest/globals';
import { withoutFlowLinks } from '../../src/model/links.js';
import { createFlowLinks } from '../../src/temporal/ui-links.js';

describe('Temporal UI links', () => {
  const links = createFlowLinks('http://ui.example:8080/', 'prod ns');

  it('address a message’s flow and a conversation’s filtered list, escaped', () => {
    expect(links.flow('6f1c')).toBe('http://ui.example:8080/namespaces/prod%20ns/workflows/message-6f1c');
    expect(links.flows('9a2b')).toBe(
      'http://ui.example:8080/namespaces/prod%20ns/workflows?query=ConversationId%3D%229a2b%22',
    );
    expect(createFlowLinks(undefined, 'default').flow('6f1c')).toBeNull();
  });

  it('are left out for end users everywhere in a body, except inside the metadata a client wrote', () => {
    const message = {
      id: 'm',
      seq: 1,
      metadata: { links: { flow: 'the client’s own' } },
      links: { flow: links.flow('m') },
    };
    const body = {
      message: 'ok',
      data: { message, conversation: { id: 'c', links: { flows: links.flows('c') } }, list: [message] },
    };
    expect(withoutFlowLinks(body)).toEqual({
      message: 'ok',
      data: {
        message: { id: 'm', seq: 1, metadata: { links: { flow: 'the client’s own' } }, links: { flow: null } },
        conversation: { id: 'c', links: { flows: null } },
        list: [{ id: 'm', seq: 1, metadata: { links: { flow: 'the client’s own' } }, links: { flow: null } }],
      },
    });
    expect(body.data.message.links.flow).toBe(links.flow('m')); // a copy: the caller's body is untouched
  });
});
