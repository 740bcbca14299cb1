// The helper thread: one pthread that runs half of a large call (half of a product's C, half
// of the cross-entropy rows) beside the calling thread; it spins briefly between jobs, then
// sleeps on a condition variable.
// Part of the native kernels (threads); kernels.c includes every part into one translation
// unit, so the compiler inlines across them as when they were one file.

static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER; // one two-thread call at a time
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_int job_seq, job_done;
static void (*helper_fn)(void *); // the helper's next job and its argument
static void *helper_arg;
static int helper_state; // 0 not started, 1 running, -1 failed to start

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

// Spin this long for the next job before sleeping: the gaps between products in a training
// step (element-wise work in JavaScript) are tens to hundreds of microseconds.
#define HELPER_SPIN_US 300.0

static void *helper_main(void *arg) {
  (void)arg;
  int seen = 0;
  for (;;) {
    int s = atomic_load_explicit(&job_seq, memory_order_acquire);
    if (s == seen) {
      double t0 = now_us();
      for (int i = 0; s == seen; i++) {
        cpu_relax();
        s = atomic_load_explicit(&job_seq, memory_order_acquire);
        if ((i & 255) == 255 && now_us() - t0 > HELPER_SPIN_US) break;
      }
    }
    if (s == seen) {
      pthread_mutex_lock(&wake_lock);
      while ((s = atomic_load_explicit(&job_seq, memory_order_acquire)) == seen) pthread_cond_wait(&wake, &wake_lock);
      pthread_mutex_unlock(&wake_lock);
    }
    seen = s;
    helper_fn(helper_arg);
    atomic_store_explicit(&job_done, seen, memory_order_release);
  }
  return NULL;
}

static int helper_up(void) {
  if (helper_state == 0) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    helper_state = pthread_create(&t, &attr, helper_main, NULL) == 0 ? 1 : -1;
    pthread_attr_destroy(&attr);
  }
  return helper_state == 1;
}

// Takes the helper for one call when `wanted` and it is free and running: then the caller
// holds helper_lock until its helper_finish.
static int helper_take(int wanted) {
  if (!wanted || pthread_mutex_trylock(&helper_lock) != 0) return 0;
  if (helper_up()) return 1;
  pthread_mutex_unlock(&helper_lock);
  return 0;
}

// Wakes the helper for fn(arg) (the caller holds helper_lock, and keeps arg alive until
// helper_finish); returns the ticket helper_finish waits for.
static int helper_start(void (*fn)(void *), void *arg) {
  helper_fn = fn;
  helper_arg = arg;
  pthread_mutex_lock(&wake_lock);
  const int s = (atomic_load_explicit(&job_seq, memory_order_relaxed) + 1) & 0x3fffffff;
  atomic_store_explicit(&job_seq, s, memory_order_release);
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&wake_lock);
  return s;
}

// Waits for the helper's job of ticket s, then frees the helper for the next call.
static void helper_finish(int s) {
  while (atomic_load_explicit(&job_done, memory_order_acquire) != s) cpu_relax();
  pthread_mutex_unlock(&helper_lock);
}
