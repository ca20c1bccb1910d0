// Prediction counts and latency per model, in the process's Prometheus registry (GET /metrics).
import { Counter, Histogram, register } from 'prom-client';

const predictions = new Counter({
  name: 'ml_predictions_total',
  help: 'Rows predicted, per model',
  labelNames: ['model'],
  registers: [register],
});
const latency = new Histogram({
  name: 'ml_inference_seconds',
  help: 'Time of one model run (one row or one batch), per model',
  labelNames: ['model'],
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [register],
});

export function recordPredictions(model: string, rows: number, seconds: number): void {
  predictions.inc({ model }, rows);
  latency.observe({ model }, seconds);
}
