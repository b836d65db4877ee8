// Whole stack across network namespaces (test/stack/netns-suite.ts): ISO2 AC.
import { netnsStackCase } from './netns-suite.js';

netnsStackCase('iso2', 'ac');
