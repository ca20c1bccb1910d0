import { describe, expect, it } from 'vitest';
import { mainTaskQueueOf, messagingTaskQueue, routingTaskQueue } from '../../temporal/task-queues';

describe('task queues derived from the main one', () => {
  it('routing and back: a routed lead hands its cadence to the main queue; other queues are their own main', () => {
    expect(routingTaskQueue('crm-processes')).toBe('crm-processes-routing');
    expect(mainTaskQueueOf(routingTaskQueue('crm-processes'))).toBe('crm-processes');
    expect(mainTaskQueueOf('crm-processes')).toBe('crm-processes');
    expect(mainTaskQueueOf(messagingTaskQueue('crm-processes'))).toBe('crm-processes-messaging');
    expect(mainTaskQueueOf('test-routing-api-routing')).toBe('test-routing-api');
  });
});
