// libsystemc's own main() calls sc_main, so linking libsystemc needs one.
// Programs with their own main() (tests, benchmarks, the CLI, the driver) get
// this weak one; a virtual platform's sc_main replaces it. Its own file, pulled
// in by the `-u sc_main` that hycim_device gives its users, so it is linked
// even into a program that references nothing else of the device. C linkage,
// as SystemC declares it.
extern "C" __attribute__((weak)) int sc_main(int, char**) {
  return 0;
}
