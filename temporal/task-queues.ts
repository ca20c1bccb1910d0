// Task queues derived from the worker's main one (TEMPORAL_TASK_QUEUE). Pure: workflow code uses it.

/**
 * Sends run on their own queue, on a worker whose activity rate is the providers' (MESSAGES_PER_SECOND):
 * a storm of thousands of sends queues politely instead of being throttled or failing.
 */
export const messagingTaskQueue = (mainTaskQueue: string): string => `${mainTaskQueue}-messaging`;
