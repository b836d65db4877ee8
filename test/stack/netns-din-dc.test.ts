// Whole stack across network namespaces (test/stack/netns-suite.ts): DIN DC.
import { netnsStackCase } from './netns-suite.js';

netnsStackCase('din', 'dc');
