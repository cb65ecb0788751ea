// tfjs setup for Node hosts (CLI tools and unit tests). Under Node, tfjs-core resolves to its CommonJS
// bundle, which registers neither gradients nor chained tensor methods, and its ESM files cannot be
// deep-imported (extensionless imports). The umbrella package's Node bundle registers both, globally,
// on that same CommonJS core — so Node hosts import it and nothing else. (Browsers use tf-setup.ts.)
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

// PROD silences tfjs's "install tfjs-node" banner (it cannot be installed here: it downloads a binary).
tf.env().set('PROD', true);
