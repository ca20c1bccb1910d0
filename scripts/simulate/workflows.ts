// The simulator's bundle: every production workflow, unchanged, plus the synthetic customer.
export * from '../../workflows';
export { simulatedCustomer } from './customer';
