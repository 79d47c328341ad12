# tests/swtpm.sh: a software TPM 2.0 (swtpm) for the tests that need
# one (pcrsig.t, tpm.t), sourced in $T after lib.sh.
# tpm_start NAME host|qemu: swtpm on the state in NAME/ (made by the
# caller), for a program here (TCP; $TCTI names it) or for qemu
# (NAME.sock, qemu's tpm-tis): the same TPM. tpm_stop NAME.
tpm_start() {
	rm -f $1.sock
	if [ "$2" = host ]; then
		_p=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		swtpm socket --tpm2 --tpmstate dir=$1 --flags startup-clear,not-need-init \
		    --server type=tcp,port=$_p,bindaddr=127.0.0.1 \
		    --ctrl type=tcp,port=$((_p + 1)),bindaddr=127.0.0.1 >>$1.log 2>&1 &
		TCTI=swtpm:host=127.0.0.1,port=$_p
	else
		swtpm socket --tpm2 --tpmstate dir=$1 --terminate \
		    --ctrl type=unixio,path=$1.sock >>$1.log 2>&1 &
	fi
	echo $! >$1.pid
	sleep 1
	kill -0 $(cat $1.pid) 2>/dev/null
}
tpm_stop() { kill $(cat $1.pid) 2>/dev/null; wait $(cat $1.pid) 2>/dev/null; }
# qemu's arguments for the TPM of tpm_start NAME qemu.
tpm_qemu() { echo "-chardev socket,id=chrtpm,path=$1.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0"; }
