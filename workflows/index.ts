// Every workflow the worker registers (the bundle's entry point).
export { leadIntake } from './lead-intake/workflow';
