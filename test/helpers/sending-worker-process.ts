// A sending worker in a process of its own, for the test that kills it mid-send (SIGKILL: no
// cleanup, no graceful shutdown). Its provider writes to the shared sent log, tells the parent on
// stdout ("at-provider"), and never answers. Run with tsx; settings from the environment.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMessagingActivities } from '../../activities/messaging/activities';
import { createGateway } from '../../activities/messaging/gateway';
import { createDb } from '../../db/connection';
import { messagingTaskQueue } from '../../temporal/task-queues';
import { sentLogProvider } from './sent-log-provider';

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const db = createDb(env('DATABASE_URL'), 2);
  const provider = sentLogProvider(env('SENT_LOG'), {
    neverAnswer: true,
    onSend: () => process.stdout.write('at-provider\n'),
  });
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    taskQueue: messagingTaskQueue(env('TASK_QUEUE')),
    activities: createMessagingActivities({
      gateway: createGateway({ db, providers: { email: provider }, caps: { perDay: 10, perWeek: 20 } }),
    }),
  });
  process.stdout.write('ready\n');
  await worker.run();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
