// What @tensorflow/tfjs-core leaves to the application: chained tensor methods (x.add(y)) and the
// gradient functions. Every host (Node, worker, tests) imports this once, before any tensor code runs.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
