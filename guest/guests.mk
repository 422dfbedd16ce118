# Guest programs shipped in the images (the demo and test guests arrive with VMCS support).
GUEST_BINS :=
