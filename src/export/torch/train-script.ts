export const TRAIN_PY = '';
