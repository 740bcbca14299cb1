// The parameters and three gradient steps both optimizer test files run.
export const P0 = [0.5, -1.25, 2.0, 0.0, -0.3];
export const GRADS = [
  [0.1, -0.4, 1.5, -2.0, 0.25],
  [-0.3, -0.2, 0.9, 0.5, 0.25],
  [0.7, 0.1, -1.1, 0.05, -0.6],
];
