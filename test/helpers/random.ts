export { seededRandom } from '../../scripts/lib/random.js';
