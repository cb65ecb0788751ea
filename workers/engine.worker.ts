// The engine's Web Worker: exposes the one Engine implementation and nothing else.
import * as Comlink from 'comlink';
import { createEngine } from '../src/engine/engine';
import { browserPlatform } from '../src/engine/backend/platform-browser';

Comlink.expose(createEngine(browserPlatform('worker')));
