// The logged-in user (GET /api/user): roles decide which pages are offered.
import { computed, ref } from 'vue';

export const user = ref(null);

function has(role) {
  const roles = (user.value && user.value.roles) || [];
  return roles.includes(role) || roles.includes('superAdmin');
}

export const isUsersAdmin = computed(() => has('usersAdmin'));
export const isAdmin = computed(() => has('arkimeAdmin'));
