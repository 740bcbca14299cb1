// The names a model's params and layers may not take in the PyTorch export: each top-level
// name (`E`, or the layer `h1` of `h1.W_i`) becomes an attribute of the generated nn.Module,
// and one that is already an attribute there (`forward`, `train`, `penalty`) makes torch
// refuse the parameter or hide the layer behind the method. Refused at export, with the line.
import type { IRModel } from '../../ir/types.ts';
import { Unexportable } from '../onnx/stage.ts';

/** nn.Module's public attributes (torch 1.13 to 2.x; a name that is absent in some version is only refused needlessly). */
const NN_MODULE = [
  'T_destination', 'add_module', 'apply', 'bfloat16', 'buffers', 'call_super_init', 'children', 'compile', 'cpu', 'cuda',
  'double', 'dump_patches', 'eval', 'extra_repr', 'float', 'forward', 'get_buffer', 'get_extra_state', 'get_parameter',
  'get_submodule', 'half', 'ipu', 'load_state_dict', 'modules', 'mtia', 'named_buffers', 'named_children', 'named_modules',
  'named_parameters', 'parameters', 'register_backward_hook', 'register_buffer', 'register_forward_hook',
  'register_forward_pre_hook', 'register_full_backward_hook', 'register_full_backward_pre_hook',
  'register_load_state_dict_post_hook', 'register_load_state_dict_pre_hook', 'register_module', 'register_parameter',
  'register_state_dict_post_hook', 'register_state_dict_pre_hook', 'requires_grad_', 'set_extra_state', 'set_submodule',
  'share_memory', 'state_dict', 'to', 'to_empty', 'train', 'training', 'type', 'xpu', 'zero_grad',
];

/** The generated module's own public methods and attributes (python.ts, index.ts; test/export/torch-guards.test.ts lists them from Python). */
const GENERATED = [
  'detach_states', 'initial_states', 'load_rnnc', 'loss', 'mask_source', 'objective', 'penalty', 'reset_parameters', 'save_rnnc',
  'shared_generator', 'target_loss', 'window_loss', 'window_targets',
];

/** Of those, the plain attributes (the rest are methods). */
const GENERATED_ATTRIBUTES = new Set(['mask_source', 'penalty', 'shared_generator']);

export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set([...NN_MODULE, ...GENERATED]);

/** Throws Unexportable at the first param or layer whose attribute name the module already has (or a private `_name`, its internals). */
export function checkAttributeNames(ir: IRModel): void {
  const layerSpan = new Map(ir.layers.map((l) => [l.name, l.span]));
  for (const p of ir.params) {
    const top = p.name.split('.')[0];
    if (!top.startsWith('_') && !RESERVED_ATTRIBUTES.has(top)) continue;
    const isLayer = p.name.includes('.');
    const what = `the ${isLayer ? 'layer' : 'param'} name '${top}'`;
    const why = top.startsWith('_')
      ? 'starts with _, which nn.Module keeps for its internals'
      : NN_MODULE.includes(top)
        ? `is taken: torch's nn.Module has an attribute '${top}'`
        : `is taken: the exported module has its own '${top}' (model.py's ${GENERATED_ATTRIBUTES.has(top) ? 'attribute' : 'method'})`;
    throw new Unexportable(`${what} ${why}`, (isLayer ? layerSpan.get(top) : undefined) ?? p.span, 'rename it in the model file');
  }
}

/** model.py's module-level names (test/export/torch-guards.test.ts lists them from Python). */
export const MODULE_LEVEL: ReadonlySet<string> = new Set(['F', 'HISTORY', 'HISTORY_STATE', 'Model', 'REVERSED', 'STATES', 'TARGETS', 'VOCAB', 'WEIGHTS', 'json', 'load', 'nn', 'numpy', 'os', 'read_safetensors', 'struct', 'torch', 'write_safetensors']);

/** The class name of the module: the model's, with _ appended where model.py already uses the name (a model called `load`). */
export const className = (pyName: string): string => (MODULE_LEVEL.has(pyName) || pyName.startsWith('_') ? `${pyName}_` : pyName);
