// Optimizers, gradient clipping and learning-rate schedules for the training loop.
export * from './optimizers.ts';
export * from './clip.ts';
export * from './schedule.ts';
export * from './nt-asgd.ts';
