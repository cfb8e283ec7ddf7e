export { MessageWorkflow } from './message.workflow.js';
