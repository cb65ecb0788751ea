// What @tensorflow/tfjs-core leaves to the application in the browser: chained tensor methods (x.add(y))
// and the gradient functions, from its ESM build (what Vite bundles). Node hosts use tf-node.ts instead.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
