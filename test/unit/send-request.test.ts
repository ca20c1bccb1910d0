// The sending activity's request check: every field the workflows send is accepted (the plan the
// journey and the cadence name for pacing among them), and anything else is refused for good.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createMessagingActivities } from '../../activities/messaging/activities';
import type { SendRequest } from '../../activities/messaging/contract';
import type { createGateway } from '../../activities/messaging/gateway';

describe('the sending activity’s request check', () => {
  const asked: SendRequest[] = [];
  const gateway = {
    send: async (req: SendRequest) => {
      asked.push(req);
      return { status: 'sent', messageId: 'm', providerMessageId: 'p', provider: 'local-email', duplicate: false };
    },
  } as unknown as ReturnType<typeof createGateway>;
  const { sendMessage } = createMessagingActivities({ gateway });
  const request: SendRequest = {
    idempotencyKey: 'journey-c:welcome_email',
    workflowId: 'journey-c',
    contactId: '6f0c2a47-4d0e-4d55-9a11-3f1f0c1b2a3d',
    channel: 'email',
    kind: 'marketing',
    subject: 'Thank you',
    text: 'Thank you for contacting us.',
  };

  it.each(['journey', 'cadence', 'review', 'other'] as const)('takes a send naming its plan (%s)', async (plan) => {
    await expect(new MockActivityEnvironment().run(sendMessage, { ...request, plan })).resolves.toMatchObject({
      status: 'sent',
    });
    expect(asked.at(-1)).toMatchObject({ plan });
  });

  it('refuses an unknown plan or field as an InvalidMessage, not retried', async () => {
    for (const bad of [
      { ...request, plan: 'flood' },
      { ...request, urgent: true },
    ])
      await expect(new MockActivityEnvironment().run(sendMessage, bad as SendRequest)).rejects.toMatchObject({
        type: 'InvalidMessage',
        nonRetryable: true,
      });
  });
});
