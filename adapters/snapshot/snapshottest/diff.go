// Package snapshottest compares aggregate states field by field, unexported
// fields included, so a codec test sees a field the codec dropped. It does
// not use the codec under test: equality is the structure's own.
package snapshottest

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"
)

// Diff describes the first difference between got and want, "" when none.
// Decimals compare by value (1.50 equals 1.5), times by instant; nil and
// empty maps and slices are equal; everything else compares as
// reflect.DeepEqual would, unexported fields included.
func Diff(got, want any) string {
	return diff(addressable(reflect.ValueOf(got)), addressable(reflect.ValueOf(want)), "state")
}

var (
	decimalType = reflect.TypeOf(decimal.Decimal{})
	timeType    = reflect.TypeOf(time.Time{})
)

func diff(got, want reflect.Value, path string) string {
	if got.IsValid() != want.IsValid() {
		return fmt.Sprintf("%s: one is nil", path)
	}
	if !got.IsValid() {
		return ""
	}
	if got.Type() != want.Type() {
		return fmt.Sprintf("%s: type %s, want %s", path, got.Type(), want.Type())
	}
	switch got.Type() {
	case decimalType:
		g, w := got.Interface().(decimal.Decimal), want.Interface().(decimal.Decimal)
		if !g.Equal(w) {
			return fmt.Sprintf("%s: %s, want %s", path, g, w)
		}
		return ""
	case timeType:
		g, w := got.Interface().(time.Time), want.Interface().(time.Time)
		if !g.Equal(w) {
			return fmt.Sprintf("%s: %s, want %s", path, g, w)
		}
		return ""
	}
	switch got.Kind() {
	case reflect.Struct:
		for i := range got.NumField() {
			if d := diff(unlock(got.Field(i)), unlock(want.Field(i)), path+"."+got.Type().Field(i).Name); d != "" {
				return d
			}
		}
	case reflect.Pointer, reflect.Interface:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				return fmt.Sprintf("%s: nil %v, want nil %v", path, got.IsNil(), want.IsNil())
			}
			return ""
		}
		return diff(addressable(got.Elem()), addressable(want.Elem()), path)
	case reflect.Slice, reflect.Array:
		if got.Len() != want.Len() {
			return fmt.Sprintf("%s: %d elements, want %d", path, got.Len(), want.Len())
		}
		for i := range got.Len() {
			if d := diff(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if got.Len() != want.Len() {
			return fmt.Sprintf("%s: %d entries, want %d", path, got.Len(), want.Len())
		}
		for _, key := range want.MapKeys() {
			g := got.MapIndex(key)
			if !g.IsValid() {
				return fmt.Sprintf("%s: no entry %v", path, key.Interface())
			}
			if d := diff(addressable(g), addressable(want.MapIndex(key)), fmt.Sprintf("%s[%v]", path, key.Interface())); d != "" {
				return d
			}
		}
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return fmt.Sprintf("%s: a %s cannot be compared", path, got.Kind())
	default:
		g, w := got.Interface(), want.Interface()
		if g != w {
			return fmt.Sprintf("%s: %v, want %v", path, g, w)
		}
	}
	return ""
}

// addressable copies v into a variable, so its unexported fields can be unlocked.
func addressable(v reflect.Value) reflect.Value {
	if !v.IsValid() || v.CanAddr() {
		return v
	}
	copied := reflect.New(v.Type()).Elem()
	copied.Set(v)
	return copied
}

// unlock makes a field reached through an unexported field readable (test
// code only: the comparison must see what the codec under test may not).
// Values are kept addressable all the way down, so this always applies.
func unlock(v reflect.Value) reflect.Value {
	if v.CanInterface() || !v.CanAddr() {
		return v
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}
