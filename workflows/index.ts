// Every workflow the worker registers (the bundle's entry point).
export { leadIntake } from './lead-intake/workflow';
export { modelRetrain } from './model-retrain/workflow';
export { followUpCadence } from './cadence/workflow';
export { customerJourney } from './journey/workflow';
export { repRetier } from './rep-retier/workflow';
