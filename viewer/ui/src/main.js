import { createApp } from 'vue';
import App from './App.vue';
import './styles.css';
import { applyTheme } from './lib/format.js';

applyTheme();
createApp(App).mount('#app');
